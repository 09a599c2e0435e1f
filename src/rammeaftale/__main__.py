"""`python -m rammeaftale` runs the console command."""
from rammeaftale.cli import main

main()
