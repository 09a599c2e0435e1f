"""The parties of the agreements: municipalities, regions, private operators and secretariats, with population.

The base layer the accounts (who acts for which party) and the registry (agreements and offers of the parties)
both stand on, so neither imports the other for it.
"""
