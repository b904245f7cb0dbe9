-- expect: forbidden
-- why: the debug library breaks every guarantee
return debug.getregistry()
