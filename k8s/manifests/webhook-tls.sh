#!/bin/sh
# TLS for the admission webhook of the raw manifests, then the webhook itself:
#   1. a private CA and a certificate for xds-server-webhook.shadow-mirroring.svc (openssl),
#   2. the Secret xds-server-webhook-tls the xds-server pods mount (they wait for it),
#   3. webhook.yaml with that CA as its caBundle.
# Needs openssl and kubectl (pointed at the cluster). Run it again to renew the certificate: the
# server re-reads the files, and webhook calls fail (and are ignored) only until the Secret and the
# caBundle agree again.
set -eu
namespace=shadow-mirroring # webhook.yaml names it too
service=xds-server-webhook
days=${DAYS:-825}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=shadow-mirroring webhook CA" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$service.$namespace.svc" \
  -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s.%s.svc,DNS:%s.%s.svc.cluster.local\nextendedKeyUsage=serverAuth\n' \
  "$service" "$namespace" "$service" "$namespace" > "$work/ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days "$days" -extfile "$work/ext" -out "$work/tls.crt" 2>/dev/null

b64() { base64 < "$1" | tr -d '\n'; }
kubectl apply -f - <<SECRET
apiVersion: v1
kind: Secret
metadata:
  name: xds-server-webhook-tls
  namespace: $namespace
  labels:
    app: xds-server
    app.kubernetes.io/part-of: shadow-mirroring
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$work/tls.crt")
  tls.key: $(b64 "$work/tls.key")
  ca.crt: $(b64 "$work/ca.crt")
SECRET
sed "s|caBundle: \"\"|caBundle: $(b64 "$work/ca.crt")|" "$here/webhook.yaml" | kubectl apply -f -
