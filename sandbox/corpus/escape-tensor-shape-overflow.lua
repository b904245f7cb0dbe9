-- expect: runtime
-- libraries: tensor
-- why: rows * cols used to wrap around 2^64: a 4 × (2^62 + 1) tensor got 16 bytes of data
-- with enormous bounds, and get/set then read and wrote anywhere in the host's memory.
-- The constructor must refuse the shape before anything is allocated.
local t = tensor.zeros(4, (1 << 62) + 1)
-- Unreachable once the shape is refused: a read 2^40 floats past a 16-byte block.
return t:get(1, 1 << 40)
