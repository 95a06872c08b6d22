HOLDFAST=${HOLDFAST_URL:-http://localhost:2567}
curl -s -X POST $HOLDFAST/api/sales -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"saleId":"sneakers","sku":"sneaker-42","quantity":100,"startsAt":"2026-01-01T12:00:00Z",
       "admission":{"mode":"rate","perSecond":20},"prequeue":"random"}'
