-- expect: forbidden
-- why: no files
return io.open("/etc/passwd"):read("a")
