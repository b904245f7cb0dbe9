-- expect: instructions
-- why: the classic exponential pattern: matching steps are charged
return ("a"):rep(400):find(".-.-.-.-b$")
