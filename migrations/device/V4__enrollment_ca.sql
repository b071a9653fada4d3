-- The township's certificate authority, pinned at enrollment: over https the device trusts the
-- server only when this CA signed its certificate. NULL only for a loopback server over plain
-- http (development).
ALTER TABLE enrollment ADD COLUMN ca_pem TEXT;
