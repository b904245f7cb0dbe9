-- expect: forbidden
-- why: string methods reach the hidden string table; dump is not there either
return ("").dump(print)
