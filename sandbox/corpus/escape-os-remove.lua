-- expect: forbidden
-- why: no files
return os.remove("/tmp/x")
