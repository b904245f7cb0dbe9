-- expect: instructions
-- why: goto loops are instructions too
::top:: goto top
