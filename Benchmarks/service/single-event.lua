-- wrk script: one work_order.created event per request, each with a new id,
-- posted as application/json with the bearer token (SPEC §12.2).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
end

request = function()
  counter = counter + 1
  local id = string.format("wrk-%d-%d-%d", tid, counter, math.random(1, 1000000000))
  local body = string.format(
    '{"id":"%s","type":"work_order.created","occurred_at":"%s","location":"centro",' ..
    '"work_order":{"id":"WO-%s","number":"%d","status":"open"},' ..
    '"client":{"id":"C-1","name":"Maria Souza","email":"maria@example.com","phone":"+5511999990000",' ..
    '"accepts_email":true,"accepts_sms":true}}',
    id, os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 86400), id, counter)
  return wrk.format("POST", "/v1/events", {
    ["Authorization"] = "Bearer " .. (os.getenv("HERALD_TOKEN") or "bench-token"),
    ["Content-Type"] = "application/json"
  }, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\n")
  end
end
