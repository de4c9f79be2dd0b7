-- Signing everyone out of the console is the price of rolling back.
DROP TABLE console_sessions;
