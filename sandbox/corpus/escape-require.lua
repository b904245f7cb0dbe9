-- expect: forbidden
-- why: no module system
return require("io")
