// The Lua `tensor` module: tensors as full userdata (their floats live inside the
// userdata, so they count against the sandbox's memory cap and need no finalizer), every
// operation a C function that calls the CTensor kernels and charges its work.
#ifndef CTENSORLUA_H
#define CTENSORLUA_H
#include <lua5.4/lua.h>

/// Pushes the `tensor` module table (a lua_CFunction; see SandboxLibrary).
int synod_luaopen_tensor(lua_State *L);

#endif
