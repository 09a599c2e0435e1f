"""Charts shared by the pages and the exports."""
