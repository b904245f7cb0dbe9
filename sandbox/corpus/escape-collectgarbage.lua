-- expect: forbidden
-- why: only collectgarbage('count') is available
collectgarbage("collect")
