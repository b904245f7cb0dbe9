-- expect: forbidden
-- why: no processes
return os.execute("id")
