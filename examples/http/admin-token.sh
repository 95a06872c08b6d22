# JWT_SECRET must be the value the servers use; run from the checkout
HOLDFAST=${HOLDFAST_URL:-http://localhost:2567}
TOKEN=$(npm run -s token -- --admin --name ops)
curl -s -H "authorization: Bearer $TOKEN" $HOLDFAST/api/auth/session
