/** State files the unit and process tests of the state file both read. */

/** 2025-11-24, in ns since the epoch: when the readings of these states were taken. */
export const T0 = 1_764_000_000n * 1_000_000_000n;

/** A state file as version 1 of the format wrote it (the code of November 2025), byte for byte. */
export const VERSION_1 = String.raw`{"format":"telegraf-homenet-counters","version":1,"series":{"net\u0000host=router\u0000rx_bytes":["4000000000","12589934592","1764000000123456789",false],"net\u0000host=Den\u0000interface=br0\u0000tx_pkts":["5000000000","5000000000","1764000000223456789",true]},"uptime":{"router":["8164411","1764000000123456789"]},"devices":{"gw":{"url":"http://192.168.1.254/","family":"pace"},"den":{"url":"http://192.168.1.20:1400/","family":"sonos","identity":"Den","identifiedAt":1764000000000,"described":{"sonos-description":{"until":1764000600000,"metrics":[{"name":"homenet_system","tags":{"model":"Era 100","firmware":"85.0-64200"},"fields":{"sw_gen":["int","2"],"t":["float","1.5"],"up":["bool","true"],"name":["string","Den \"1\""]}}]}}}},"forgotten":{"old-speaker":"1761000000000000000"}}`;
