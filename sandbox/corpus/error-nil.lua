-- expect: runtime
-- why: error(nil) still reports something useful
error()
