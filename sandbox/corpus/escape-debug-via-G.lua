-- expect: forbidden
-- why: _G is the sandbox environment, not the real globals
return _G.debug.sethook()
