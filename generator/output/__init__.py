"""Files: what a rendering writes, and how, so that a folder is never left half-written.

A deal rendered and published together (`rendering`), atomic writes, staging and folder
locks (`files`), many deals in worker processes (`batch`), audit manifests (`manifest`) and
new deal folders from an example (`scaffold`). Last stage: formats -> files.
"""
