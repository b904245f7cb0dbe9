-- expect: forbidden
-- why: no files
return loadfile("/etc/passwd")
