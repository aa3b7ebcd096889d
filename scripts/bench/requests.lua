-- wrk requests for scripts/bench-server.sh; the case is chosen by BENCH_CASE:
--   crawl         GET a page of 50 locations, offsets cycling over all of them
--   put-token     PUT a new token each request (the eMSP's Tokens interface)
--   patch-evse    PATCH an EVSE's status through the admin API, cycling over locations
--   patch-paced   the same, each connection waiting 100 ms between requests (a steady operator
--                 load whose latency is measured, not the server's limit)
-- BENCH_LOCATIONS is how many locations there are; the Authorization header comes from -H.
-- There is no response() hook: it would make wrk read every body in Lua and slow the
-- measurement; bench-server.sh checks one answer of each case with curl before it measures.
local case = os.getenv("BENCH_CASE")
local locations = tonumber(os.getenv("BENCH_LOCATIONS") or "10000")
local counter = 0
local statuses = { "AVAILABLE", "CHARGING", "BLOCKED", "OUTOFORDER" }

-- setup runs in wrk's main Lua state and gives each thread's state its own global
-- `thread_number` (a file-level local of that name would hide it: every thread would be 0
-- and send the same tokens and PATCHes).
local threads_made = 0
function setup(thread)
    thread:set("thread_number", threads_made)
    threads_made = threads_made + 1
end

-- wrk.format replaces wrk.headers (and with them -H Authorization) by the table it is given.
local function json_headers()
    local headers = { ["Content-Type"] = "application/json" }
    for name, value in pairs(wrk.headers) do headers[name] = value end
    return headers
end

function request()
    counter = counter + 1
    if case == "crawl" then
        local pages = math.ceil(locations / 50)
        local offset = ((counter + thread_number * 7) % pages) * 50
        return wrk.format("GET", "/ocpi/cpo/2.2.1/locations?offset=" .. offset .. "&limit=50")
    elseif case == "put-token" then
        local uid = string.format("BENCH%02d%010d", thread_number, counter)
        local body = '{"country_code":"DE","party_id":"MSP","uid":"' .. uid .. '","type":"RFID",'
            .. '"contract_id":"DE-MSP-C' .. string.sub(uid, -8) .. '-1","issuer":"Bench eMSP","valid":true,'
            .. '"whitelist":"ALLOWED","last_updated":"2026-12-01T00:00:00Z"}'
        return wrk.format("PUT", "/ocpi/cpo/2.2.1/tokens/DE/MSP/" .. uid, json_headers(), body)
    elseif case == "patch-evse" or case == "patch-paced" then
        local index = (counter * 2 + thread_number) % locations + 1
        local evse = counter % 3 + 1
        local location = string.format("LOC-%05d", index)
        local body = '{"status":"' .. statuses[counter % 4 + 1] .. '","last_updated":"2026-12-01T00:00:00Z"}'
        return wrk.format("PATCH", "/admin/2.2.1/locations/" .. location .. "/" .. location .. "-" .. evse,
            json_headers(), body)
    end
    return wrk.format("GET", wrk.path)
end

-- wrk waits this many milliseconds before each request of a connection.
function delay()
    if case == "patch-paced" then return 100 end
    return 0
end
