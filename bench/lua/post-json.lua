-- wrk script of the POST targets (gatewayd+post, gatewayd+openapi-post): every request is a
-- POST / with the same JSON body of about 850 bytes, which bench/openapi/bench.yaml describes.
local items = {}
for i = 1, 20 do
  items[#items + 1] = string.format('{"id":%d,"label":"item-%03d","price":%d.5}', i, i, i)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench","count":20,"items":[' .. table.concat(items, ",") .. "]}"
