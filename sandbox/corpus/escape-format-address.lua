-- expect: forbidden
-- why: %p would print addresses
return string.format("%p", {})
