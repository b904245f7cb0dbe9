// Debian installs Lua 5.4's headers under lua5.4/; pkg-config adds that folder to the
// include path, but naming it here keeps the module independent of pkg-config's answer.
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
