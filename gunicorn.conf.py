"""gunicorn settings read from the working directory (``gunicorn … wsgi:app``).

gunicorn 27 opens a control socket under the user's home, shared by every instance of that
user: two instances on one host (a second site, the tests) would collide. Not used here.
"""

control_socket_disable = True
