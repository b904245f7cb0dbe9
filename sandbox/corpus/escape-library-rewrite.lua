-- expect: ok
-- why: rewriting the plugin's string table changes only the plugin's view, not string methods
string.upper = function() return "hijacked" end
return ("abc"):upper() == "ABC" and getmetatable(string) == false
