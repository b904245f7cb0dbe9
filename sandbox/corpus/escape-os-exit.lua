-- expect: forbidden
-- why: a plugin cannot stop the host
os.exit(1)
