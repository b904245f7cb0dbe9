-- expect: runtime
-- why: unpacking too many values is an error
return table.unpack({}, 1, 100000000)
