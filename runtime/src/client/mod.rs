//! The client side: connect to a server, answer its sampling requests.
