"""The official record: the reads that the record pages and the exported files share
(reads.py), and the files themselves (docx.py, xlsx.py)."""
