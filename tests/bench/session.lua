-- wrk script: GET /api/v1/auth/session with a random token from the file given after "--".
local tokens = {}

function init(args)
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", "/api/v1/auth/session", { ["Authorization"] = "Bearer " .. token })
end
