-- expect: value
-- limits: describe=false
-- why: functions do not cross into the host
return { f = print }
