-- expect: forbidden
-- why: no files
return dofile("/etc/passwd")
