"""Files: a deal rendered and published together (`rendering`), atomic writes, staging
and folder locks (`files`), many deals in worker processes (`batch`), audit manifests
(`manifest`) and new deal folders from an example (`scaffold`). Last stage: formats ->
files.
"""
