-- expect: forbidden
-- why: no environment variables
return os.getenv("HOME")
