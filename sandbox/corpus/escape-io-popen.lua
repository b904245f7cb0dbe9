-- expect: forbidden
-- why: no processes
return io.popen("id"):read("a")
