-- expect: timeout
-- limits: instructions=0 timeout=0.3
-- why: with no instruction budget the deadline still stops a pattern
return ("a"):rep(400):match(".-.-.-.-.-b")
