-- expect: forbidden
-- why: package.loaded would lead back to the full libraries
return package.loaded.io
