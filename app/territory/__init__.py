"""The territory tree: loading it from ISTAT files, Ambiti, and moving comuni between them."""
