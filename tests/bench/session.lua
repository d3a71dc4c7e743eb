-- wrk script: GET <path> (default /api/v1/auth/session) with a random session token from the
-- file given after "--" as a Bearer token. The trivial baseline runs through this same script so
-- both pay the same client-side Lua cost and the ratio compares server work only.
local tokens = {}
local path = "/api/v1/auth/session"

function init(args)
  if args[2] then path = args[2] end
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
