-- The nl_to_sql example's shop. This file is also the schema the model is shown.

CREATE TABLE customers (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    email     TEXT NOT NULL UNIQUE,
    country   TEXT NOT NULL,
    joined_on TEXT NOT NULL  -- ISO date, YYYY-MM-DD
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,   -- keyboards, mice, monitors, cables, furniture, accessories
    price_cents INTEGER NOT NULL -- price in euro cents
);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    product_id  INTEGER NOT NULL REFERENCES products(id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    ordered_on  TEXT NOT NULL,   -- ISO date, YYYY-MM-DD
    status      TEXT NOT NULL    -- pending, shipped, delivered or cancelled
);
