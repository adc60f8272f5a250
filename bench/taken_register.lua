-- taken_register.lua — wrk script: POST /api/register with a name that is
-- taken (alice, seeded) and a valid password, as fast as the connections
-- can (bench/throttle.sh; registration costs no hash for a taken name and
-- is throttled per address like logins).
wrk.method = "POST"
wrk.body = '{"username":"alice","password":"a-valid-password-1"}'
wrk.headers["Content-Type"] = "application/json"
