-- wrong_login.lua — wrk script: POST /api/login with a wrong password, as
-- fast as one connection can (bench/throttle.sh; SPEC 10 login throttling).
wrk.method = "POST"
wrk.body = '{"username":"alice","password":"not-the-password"}'
wrk.headers["Content-Type"] = "application/json"
