"""The ledger's pure core: postings and entries as values, balanced by construction."""
