# shellcheck shell=bash
# start_nginx DIR ROOT [CERT KEY]: Debian's nginx (one worker per core,
# sendfile, no access log) serving ROOT on a free loopback port, its files
# under DIR; with CERT and KEY also over TLS on a second port.  Sets WEB
# (the port), WEBS (the TLS port) and NGINX_PID; waits until it answers.
# Needs nginx-light (the bench scripts install it) and python3.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
start_nginx() {
	local dir=$1 root=$2 cert=${3:-} key=${4:-} nginx i tls=""
	nginx=$(command -v nginx || echo /usr/sbin/nginx)
	mkdir -p "$dir/tmp"
	WEB=$(free_port)
	WEBS=
	if [ -n "$cert" ]; then
		WEBS=$(free_port)
		tls="server { listen 127.0.0.1:$WEBS ssl; root $root;
    ssl_certificate $cert; ssl_certificate_key $key; }"
	fi
	cat >"$dir/nginx.conf" <<CONF
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log;
$( [ "$(id -u)" = 0 ] && echo "user nobody nogroup;" )
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on; tcp_nopush on;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  keepalive_timeout 300s; client_header_timeout 300s;
  server { listen 127.0.0.1:$WEB; root $root; }
  $tls
}
CONF
	"$nginx" -c "$dir/nginx.conf" -g 'daemon off;' 2>/dev/null &
	NGINX_PID=$!
	for i in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$WEB/" && return 0
		sleep 0.1
	done
	echo "nginx did not start (see $dir/error.log)" >&2
	return 1
}
