-- expect: runtime
-- why: capture limits are errors, not crashes
return ("x"):find(("()"):rep(40))
