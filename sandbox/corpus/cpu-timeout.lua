-- expect: timeout
-- limits: instructions=0 timeout=0.3
-- why: with no instruction budget the wall-clock deadline still fires
while true do end
