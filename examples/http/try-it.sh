HOLDFAST=${HOLDFAST_URL:-http://localhost:2567}
curl -s $HOLDFAST/readyz
TOKEN=$(curl -s -XPOST $HOLDFAST/api/auth/guest -H 'content-type: application/json' \
  -d '{"name":"ada"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')
curl -s $HOLDFAST/api/auth/session -H "authorization: Bearer $TOKEN"
