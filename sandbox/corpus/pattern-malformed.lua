-- expect: runtime
-- why: malformed patterns are errors
return ("x"):find("[a")
