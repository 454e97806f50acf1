import socket, time
A=('127.0.0.1',18776)
def readall(s):
    out=b''; t=time.time()
    try:
        while True:
            d=s.recv(65536)
            if not d: break
            out+=d
    except Exception as e:
        out+=b' <'+repr(e).encode()+b'>'
    return out, round(time.time()-t,2)
for path, extra in [(b'/healthz', b''), (b'/v2.1/flavors/1/os-extra_specs', b'X-Auth-Token: admin\r\n'), (b'/v2.1/flavors/1/os-extra_specs/k', b'X-Auth-Token: admin\r\n'), (b'/nothing', b'')]:
    s=socket.create_connection(A); s.settimeout(8)
    s.sendall(b'GET '+path+b' HTTP/1.1\r\nHost: x\r\n'+extra+b'Content-Length: 100\r\n\r\n')
    out,t=readall(s); print(path, out[:30], t)
# DELETE with body not sent
s=socket.create_connection(A); s.settimeout(8)
s.sendall(b'DELETE /v2.1/flavors/1/os-extra_specs/zz HTTP/1.1\r\nHost: x\r\nX-Auth-Token: admin\r\nContent-Length: 100\r\n\r\n')
out,t=readall(s); print('delete', out[:30], t)
