HOLDFAST=${HOLDFAST_URL:-http://localhost:2567}
body="{\"orderId\":\"$ORDER_ID\",\"outcome\":\"succeeded\",\"reference\":\"pay_123\",\"amount\":$AMOUNT_CENTS,\"currency\":\"EUR\"}"
t=$(date +%s)
sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$PAYMENT_WEBHOOK_SECRET" -hex | sed 's/^.* //')
curl -s $HOLDFAST/api/payments/webhook -H 'content-type: application/json' \
  -H "X-Holdfast-Signature: t=$t,v1=$sig" --data "$body"
